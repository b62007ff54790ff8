/** Every command the extension contributes, with the arguments it takes. */
export const Commands = {
  simulatePath: 'kernelPathSim.simulatePath',
  showPath: 'kernelPathSim.showPath',
  reindexTree: 'kernelPathSim.reindexTree',
} as const;

export interface SimulatePathArgs {
  /** The document the lens was in. */
  uri: string;
  name: string;
  /** 1-based start line of the definition. */
  line: number;
}

export function isSimulatePathArgs(x: unknown): x is SimulatePathArgs {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.uri === 'string' && typeof o.name === 'string' && typeof o.line === 'number';
}
