/** What may be uploaded (../shared/API.md, Files): images only, at most 5 MiB; URLs expire (UPLOAD_URL_SECONDS). */
export const ALLOWED_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
