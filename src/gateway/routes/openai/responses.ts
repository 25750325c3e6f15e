import type { JobOutcome } from "../../../client/types.js";
import { countChars, type OpenAIUsage, resolveUsage } from "./usage.js";

/** What a response needs from the request, beside the job's outcome. */
export interface ResponseContext {
  /** The model the client asked for; reported when the result names none. */
  requestedModel: string;
  /** Prompt size in code points, for the usage estimate. */
  promptChars: number;
  /** The current time, in ms since the epoch. */
  nowMs: number;
}

/** A `chat.completion` object. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: "assistant"; content: string; refusal: null };
      logprobs: null;
      finish_reason: "stop";
    },
  ];
  usage: OpenAIUsage;
}

/** A `text_completion` object. */
export interface TextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: [{ index: 0; text: string; logprobs: null; finish_reason: "stop" }];
  usage: OpenAIUsage;
}

/** Whole seconds since the epoch, as OpenAI's `created` fields. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The model to report: the one that served the job, else the one asked for. */
export function reportedModel(outcome: JobOutcome, requestedModel: string): string {
  return outcome.model !== "" ? outcome.model : requestedModel;
}

/** The chat completion for a finished chat job; its id is derived from the job id. */
export function toChatCompletion(outcome: JobOutcome, ctx: ResponseContext): ChatCompletion {
  return {
    id: `chatcmpl-${outcome.jobId}`,
    object: "chat.completion",
    created: unixSeconds(ctx.nowMs),
    model: reportedModel(outcome, ctx.requestedModel),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: outcome.output, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: resolveUsage(outcome.usage, ctx.promptChars, countChars(outcome.output)),
  };
}

/** The text completion for a finished completion job; its id is derived from the job id. */
export function toTextCompletion(outcome: JobOutcome, ctx: ResponseContext): TextCompletion {
  return {
    id: `cmpl-${outcome.jobId}`,
    object: "text_completion",
    created: unixSeconds(ctx.nowMs),
    model: reportedModel(outcome, ctx.requestedModel),
    choices: [{ index: 0, text: outcome.output, logprobs: null, finish_reason: "stop" }],
    usage: resolveUsage(outcome.usage, ctx.promptChars, countChars(outcome.output)),
  };
}
