/** The load scenarios: the same chat request at different numbers of concurrent connections. */
export interface Scenario {
  name: string;
  /** Keep-alive connections, each with one request in flight at a time. */
  connections: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: "http-chat-c1", connections: 1 },
  { name: "http-chat-c64", connections: 64 },
];
