/** The bundle of `entry` (a TypeScript file's path), written once under node_modules/.cache/txgate. */
export function bundled(entry: string): Promise<URL>
