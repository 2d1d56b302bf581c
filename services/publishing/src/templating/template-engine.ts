import { Liquid, type Template } from 'liquidjs';
import { LeapError } from '@leap/errors';

export interface TemplateLimits {
  /** Longest template source, in characters. */
  maxTemplateLength: number;
  /** Longest rendered text, in characters. */
  maxOutputLength: number;
  /** Wall time one render may take, in milliseconds (loops are stopped past it). */
  renderTimeMs: number;
  /** Characters a render may allocate through loops and string filters. */
  memory: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = { maxTemplateLength: 10_000, maxOutputLength: 20_000, renderTimeMs: 250, memory: 5_000_000 };

/** Tags that would read other templates (from disk or anywhere else): none exist in the sandbox. */
const FORBIDDEN_TAGS = ['include', 'render', 'layout', 'block'] as const;

/** A file system that holds nothing, so no template can be looked up even if a tag tried. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (path: string) => Promise.reject(new Error(`No file ${path} in the template sandbox`)),
  readFileSync: (path: string) => {
    throw new Error(`No file ${path} in the template sandbox`);
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false,
  sep: '/',
};

export type TemplateErrorCode =
  | 'PUBLISHING.TEMPLATE_SYNTAX'
  | 'PUBLISHING.TEMPLATE_TOO_LONG'
  | 'PUBLISHING.TEMPLATE_LIMIT_EXCEEDED'
  | 'PUBLISHING.TEMPLATE_NEEDS_VARIABLE';

/** A template that does not parse, is too big, or whose render went past its limits (422, never retried). */
export class TemplateError extends LeapError {
  constructor(code: TemplateErrorCode, message: string, readonly field?: string) {
    super(code, field ? `${field}: ${message}` : message, { retryable: false, status: 422, ...(field ? { details: { field } } : {}) });
    this.name = 'TemplateError';
  }
}

/**
 * Metadata templates in LiquidJS, sandboxed: no file system (no include, render or layout, and a
 * file system that holds nothing), only an object's own properties (no `constructor`, no
 * prototype), filters that exist, and render time, allocation and output length bounded. Undefined
 * variables render as empty text, as the reference's Jinja sandbox does.
 */
export class MetadataTemplates {
  private readonly engine: Liquid;
  private readonly parsed = new Map<string, Template[]>();

  constructor(readonly limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS) {
    this.engine = new Liquid({
      fs: NO_FILES,
      root: [],
      partials: [],
      layouts: [],
      relativeReference: false,
      dynamicPartials: false,
      ownPropertyOnly: true,
      strictFilters: true,
      strictVariables: false,
      jsTruthy: true,
      parseLimit: limits.maxTemplateLength,
      renderLimit: limits.renderTimeMs,
      memoryLimit: limits.memory,
      timezoneOffset: 0,
    });
    for (const tag of FORBIDDEN_TAGS) delete (this.engine.tags as Record<string, unknown>)[tag];
    this.engine.registerFilter('split_path', (value: unknown, separator: unknown = '/') => splitPath(value, separator));
    this.engine.registerFilter('part', (value: unknown, index: unknown = 0, separator: unknown = '/') => part(value, index, separator));
  }

  /** Parses a template (cached by its text); a syntax error, unknown tag or filter is a 422. */
  parse(source: string, field?: string): Template[] {
    if (source.length > this.limits.maxTemplateLength) {
      throw new TemplateError('PUBLISHING.TEMPLATE_TOO_LONG', `The template is longer than ${this.limits.maxTemplateLength} characters`, field);
    }
    const cached = this.parsed.get(source);
    if (cached) return cached;
    let templates: Template[];
    try {
      templates = this.engine.parse(source);
    } catch (error) {
      throw new TemplateError('PUBLISHING.TEMPLATE_SYNTAX', firstLine(error), field);
    }
    if (this.parsed.size >= 500) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(source, templates);
    return templates;
  }

  /** The top-level variables a template reads (`display_name`, `topics`, ...). */
  variablesOf(source: string, field?: string): string[] {
    return this.engine.globalVariablesSync(this.parse(source, field)).map(String);
  }

  /** Checks a template as a save does: it parses, and a title names at least one variable. */
  validate(source: string, options: { field?: string; requireVariable?: boolean } = {}): void {
    const variables = this.variablesOf(source, options.field);
    if (options.requireVariable && variables.length === 0) {
      throw new TemplateError('PUBLISHING.TEMPLATE_NEEDS_VARIABLE', 'A title template must use at least one variable, e.g. {{ display_name }}', options.field);
    }
  }

  /** Renders a template against `variables`; going past a limit is a 422 TemplateError. */
  async render(source: string, variables: Record<string, unknown>, field?: string): Promise<string> {
    const templates = this.parse(source, field);
    let output: string;
    try {
      output = String(await this.engine.render(templates, variables));
    } catch (error) {
      const message = firstLine(error);
      if (/limit exceeded/i.test(message)) {
        throw new TemplateError('PUBLISHING.TEMPLATE_LIMIT_EXCEEDED', `The template went past its limits (${message}); simplify its loops`, field);
      }
      throw new TemplateError('PUBLISHING.TEMPLATE_SYNTAX', message, field);
    }
    if (output.length > this.limits.maxOutputLength) {
      throw new TemplateError('PUBLISHING.TEMPLATE_LIMIT_EXCEEDED', `The template renders more than ${this.limits.maxOutputLength} characters`, field);
    }
    return output;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

function splitPath(value: unknown, separator: unknown): string[] {
  const sep = typeof separator === 'string' && separator.length > 0 ? separator : '/';
  return String(value ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The `index`-th part (from 0; negative from the end) of a list, or of text split at `separator`. */
function part(value: unknown, index: unknown, separator: unknown): string {
  const parts = Array.isArray(value) ? value.map(String) : splitPath(value, separator);
  const i = Number(index) || 0;
  return parts[i < 0 ? parts.length + i : i] ?? '';
}
