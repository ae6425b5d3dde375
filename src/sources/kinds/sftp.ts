/** @module The `sftp` source kind's settings: files in a remote folder, host key pinned by its SHA256 fingerprint. */
import { z } from 'zod'
import { ArchiveSchema } from './s3.ts'

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)')

export const SftpSchema = z
  .object({
    kind: z.literal('sftp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    password_env: envName.optional(),
    /** A PEM/OpenSSH private key in an environment variable, or a file path. */
    private_key_env: envName.optional(),
    private_key_file: z.string().optional(),
    /** `SHA256:…` as `ssh-keygen -lf` prints it; several during a host key rotation. */
    host_key_sha256: z.array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'SHA256:<43 base64 chars>, as ssh-keygen -l prints')).default([]),
    insecure_accept_any_host_key: z.boolean().default(false),
    /** The remote folder, e.g. `/outgoing/`; archive folders live under it. */
    path: z.string().default('.'),
    glob: z.string().default('*'),
    min_age_s: z.number().int().min(0).default(0),
    archive: ArchiveSchema.default({ mode: 'move', processed: 'processed/', failed: 'failed/' }),
  })
  .strict()
  .refine((s) => s.host_key_sha256.length > 0 || s.insecure_accept_any_host_key, {
    message: 'pin the host key (host_key_sha256) or set insecure_accept_any_host_key: true',
    path: ['host_key_sha256'],
  })
  .refine((s) => s.password_env || s.private_key_env || s.private_key_file, { message: 'set password_env, private_key_env or private_key_file', path: ['username'] })

export type SftpSource = z.infer<typeof SftpSchema>
