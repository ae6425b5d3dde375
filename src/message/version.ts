/** @module The message schema's version: its own module so code that only stamps it (batch workers) does not load zod. */
export const SCHEMA_VERSION = '1.0'
