import { providerJson, type Fetch } from '../../providers/provider-http';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatAnswer {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

/** A chat model: one completion for a conversation. */
export interface ChatClient {
  readonly model: string;
  complete(messages: readonly ChatMessage[], options?: { signal?: AbortSignal }): Promise<ChatAnswer>;
}

export interface OpenAiChatOptions {
  /** `https://api.deepseek.com`, `https://api.openai.com/v1`, ...: `/chat/completions` is added. */
  baseUrl: string;
  apiKey: string;
  model: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
  fetch?: Fetch;
}

interface Completion {
  choices?: Array<{ message?: { content?: string | null }; finish_reason?: string }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/**
 * Any OpenAI-compatible chat API (DeepSeek by default): `POST {base}/chat/completions` with
 * temperature 0, 8000 tokens at most and JSON output asked for (`response_format: json_object`).
 * Errors map as the transcription providers' do (`TRANSCRIPTION.PROVIDER_*`, 429 with Retry-After).
 */
export class OpenAiChatClient implements ChatClient {
  constructor(private readonly options: OpenAiChatOptions) {}

  get model(): string {
    return this.options.model;
  }

  async complete(messages: readonly ChatMessage[], options: { signal?: AbortSignal } = {}): Promise<ChatAnswer> {
    const answer = await providerJson<Completion>(
      this.options.fetch ?? globalThis.fetch,
      'llm',
      `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body: JSON.stringify({
          model: this.options.model,
          messages,
          temperature: this.options.temperature ?? 0,
          max_tokens: this.options.maxTokens ?? 8000,
          response_format: { type: 'json_object' },
        }),
      },
      { signal: options.signal, timeoutMs: this.options.timeoutMs },
    );
    return {
      content: answer.choices?.[0]?.message?.content ?? '',
      promptTokens: answer.usage?.prompt_tokens ?? 0,
      completionTokens: answer.usage?.completion_tokens ?? 0,
    };
  }
}
