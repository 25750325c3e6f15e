import type { Usage } from "../../../client/types.js";

/** The OpenAI `usage` object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Number of Unicode code points in a string. */
export function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A rough token count for text of `chars` code points: about four characters per token, rounded up. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * The usage to report for a job. The node's own count when it reported one; otherwise an estimate of
 * ceil(chars / 4) tokens each for the prompt and the completion, since not every node can count tokens
 * and OpenAI clients expect the field. `promptChars` is the code-point length of the prompt (for chat,
 * the sum over all messages) and `completionChars` that of the output.
 */
export function resolveUsage(
  reported: Usage | undefined,
  promptChars: number,
  completionChars: number,
): OpenAIUsage {
  const prompt = reported?.promptTokens ?? estimateTokens(promptChars);
  const completionTokens = reported?.completionTokens ?? estimateTokens(completionChars);
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
  };
}
