/**
 * Config layers, pure (leap-inventory §4.3): a recording's effective config is its layers merged
 * lowest first, the default template, the bound template, a runtime template, the recording's
 * own preferences, the owner's manual override. Merges are deep; a null or absent value never
 * overrides what a lower layer set; arrays are replaced whole.
 */

export type JsonObject = Record<string, unknown>;

/** The three blocks every layer may set. */
export interface LayeredConfig {
  processing?: JsonObject;
  metadata?: JsonObject;
  output?: JsonObject;
}

export const LAYER_NAMES = ['default_template', 'bound_template', 'runtime_template', 'recording_preferences', 'manual_override'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export interface ConfigLayer {
  name: LayerName;
  templateId?: string;
  config: LayeredConfig;
  /** A layer a run gave: the runtime template, or its config above the stored manual override. */
  run?: boolean;
}

export interface ResolvedConfig {
  effective: { processing: JsonObject; metadata: JsonObject; output: JsonObject };
  /** Each effective leaf, by its dotted path (`processing.trimming.enableTrimming`), and the layer it comes from. */
  sources: Record<string, LayerName>;
  layers: ConfigLayer[];
}

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` merged into a copy of `base`: objects deeply, nulls and absent values ignored, anything else replaced. */
export function deepMerge(base: JsonObject, over: JsonObject | null | undefined): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over ?? {})) {
    if (value === null || value === undefined) continue;
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as JsonObject, value) : isObject(value) ? deepMerge({}, value) : value;
  }
  return out;
}

/** A stored override changed by a patch: objects merge deeply, a null removes the key (and an object left empty). */
export function applyPatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) {
      const merged = applyPatch(isObject(out[key]) ? (out[key] as JsonObject) : {}, value);
      if (Object.keys(merged).length) out[key] = merged;
      else delete out[key];
    } else if (value !== undefined) out[key] = value;
  }
  return out;
}

function leaves(value: JsonObject, prefix: string, visit: (path: string) => void): void {
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(child)) leaves(child, path, visit);
    else visit(path);
  }
}

/** The layers (lowest first, in LAYER_NAMES order) merged, with where each effective value comes from. */
export function resolveLayers(layers: ConfigLayer[]): ResolvedConfig {
  const ordered = [...layers].sort((a, b) => LAYER_NAMES.indexOf(a.name) - LAYER_NAMES.indexOf(b.name));
  let merged: JsonObject = { processing: {}, metadata: {}, output: {} };
  const sources: Record<string, LayerName> = {};
  for (const layer of ordered) {
    const config = { processing: layer.config.processing ?? {}, metadata: layer.config.metadata ?? {}, output: layer.config.output ?? {} };
    merged = deepMerge(merged, config);
    leaves(config, '', (path) => (sources[path] = layer.name));
  }
  // A leaf replaced by an object in a higher layer is no longer a leaf of the result.
  for (const path of Object.keys(sources)) if (!isLeaf(merged, path)) delete sources[path];
  return { effective: merged as ResolvedConfig['effective'], sources, layers: ordered };
}

function isLeaf(value: JsonObject, path: string): boolean {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (!isObject(at)) return false;
    at = at[key];
  }
  return at !== undefined && !isObject(at);
}
