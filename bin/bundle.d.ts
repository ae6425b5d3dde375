/** The bundle of `entry` (a TypeScript file's path), written once under node_modules/.cache/txgate. */
export function bundled(entry: string): Promise<URL>

/** Runs `entry` bundled, or through tsx's loader (saying so on stderr) when bundling fails. */
export function runBundled(entry: string): Promise<void>
