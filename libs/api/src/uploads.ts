import { z } from 'zod';
import { sha256HexSchema } from './common';

/** Body of `POST /v1/uploads`. */
export const createUploadRequestSchema = z.strictObject({
  contentLength: z.number().int().min(1).optional().describe('Size of the image in bytes, when known'),
  sha256: sha256HexSchema.optional().describe('SHA-256 (hex) of the image; the signer refuses other bytes'),
});
export type CreateUploadRequest = z.output<typeof createUploadRequestSchema>;

/** Response of `POST /v1/uploads`. */
export const presignedUploadResponseSchema = z.object({
  key: z.string().describe('Object key to name as the job source: incoming/<tenant>/<uuid>.bin'),
  uploadUrl: z.string().describe('Presigned URL to PUT the image bytes to'),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()).describe('Headers the PUT must carry'),
  expiresAt: z.string().describe('ISO-8601 time after which the URL is refused'),
  maxBytes: z.number().int().describe('Largest upload accepted'),
});
export type PresignedUploadResponse = z.output<typeof presignedUploadResponseSchema>;

/** Response of `PUT /v1/uploads/direct`. */
export const directUploadResponseSchema = z.object({
  key: z.string().describe('Object key to name as the job source'),
  size: z.number().int().describe('Bytes stored'),
  sha256: z.string().describe('SHA-256 (hex) of the bytes stored'),
});
export type DirectUploadResponse = z.output<typeof directUploadResponseSchema>;
