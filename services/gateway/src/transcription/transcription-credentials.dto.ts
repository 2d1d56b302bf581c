import { z } from 'zod';

/** Speech providers and the chat model (`llm`) a tenant may bring a key for (kept by the transcription service). */
export const TENANT_KEY_PROVIDERS = ['openai', 'assemblyai', 'llm'] as const;

export const providerParamSchema = z.enum(TENANT_KEY_PROVIDERS, { errorMap: () => ({ message: `must be one of ${TENANT_KEY_PROVIDERS.join(', ')}` }) });

export const setProviderCredentialSchema = z
  .object({
    apiKey: z.string().trim().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters').describe('The provider API key. Stored encrypted; never shown again'),
    model: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional().describe('`openai` and `llm`: the model to ask for; the server default when absent'),
    baseUrl: z
      .string()
      .trim()
      .url('must be a URL')
      .max(500, 'must be at most 500 characters')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
      .optional()
      .describe('`llm` only: the OpenAI-compatible chat API (`https://api.deepseek.com`, `https://api.openai.com/v1`); the server\'s when absent'),
  })
  .strict();

export const providerCredentialSchema = z.object({
  provider: z.enum(TENANT_KEY_PROVIDERS),
  keyHint: z.string().describe('Enough of the key to recognise it (`sk-…a1b2`), never enough to use it'),
  model: z.string().nullable(),
  baseUrl: z.string().nullable().describe('`llm` only: the chat API the key is for; null for the server\'s'),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
});
export type ProviderCredentialView = z.infer<typeof providerCredentialSchema>;

export const providerCredentialListSchema = z.object({ items: z.array(providerCredentialSchema) });
