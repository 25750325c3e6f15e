import { describe, expect, it } from "vitest";
import { redactUrl, serializeRequest } from "./log-redaction.js";

describe("redactUrl", () => {
  it.each([
    ["/api/v1/history", "/api/v1/history"],
    ["/api/v1/history?limit=5", "/api/v1/history?limit=5"],
    ["/api/v1/history?api_key=sy_secret", "/api/v1/history?api_key=[redacted]"],
    [
      "/api/v1/history?limit=5&api_key=sy_secret&cursor=c",
      "/api/v1/history?limit=5&api_key=[redacted]&cursor=c",
    ],
    ["/h?API_KEY=sy_secret", "/h?API_KEY=[redacted]"],
    ["/h?api%5Fkey=sy_secret", "/h?api%5Fkey=[redacted]"],
    ["/h?token=t&key=k&access_token=a", "/h?token=[redacted]&key=[redacted]&access_token=[redacted]"],
    ["/h?api_key=a&api_key=b", "/h?api_key=[redacted]&api_key=[redacted]"],
    ["/h?api_key", "/h?api_key=[redacted]"],
    ["/h?api_key=sy_secret#frag", "/h?api_key=[redacted]#frag"],
    ["/h?%zz=1&api_key=s", "/h?%zz=1&api_key=[redacted]"],
    ["/h?monkey=1", "/h?monkey=1"],
  ])("%s → %s", (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe("serializeRequest", () => {
  it("logs the request line without secrets and without headers", () => {
    const logged = serializeRequest({
      method: "GET",
      url: "/api/v1/history?api_key=sy_secret",
      host: "gw",
      ip: "127.0.0.1",
      socket: { remotePort: 5000 },
    });
    expect(logged).toEqual({
      method: "GET",
      url: "/api/v1/history?api_key=[redacted]",
      host: "gw",
      remoteAddress: "127.0.0.1",
      remotePort: 5000,
    });
    expect(JSON.stringify(logged)).not.toContain("sy_secret");
  });
});
