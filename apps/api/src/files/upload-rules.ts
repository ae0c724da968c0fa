/** What may be uploaded (../shared/API.md, Files): images only, at most 5 MiB; URLs expire (UPLOAD_URL_SECONDS). */
export const ALLOWED_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof ALLOWED_IMAGE_TYPES)[number];
export const isImageType = (type: string): type is ImageType => (ALLOWED_IMAGE_TYPES as readonly string[]).includes(type);
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** How many leading bytes the confirmation reads to recognise the image type. */
export const SIGNATURE_BYTES = 12;

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** Each type's file signature: bytes at an offset (WebP is a RIFF container whose form type is `WEBP`). */
const SIGNATURES: Record<ImageType, Array<Array<{ at: number; bytes: number[] }>>> = {
  'image/png': [[{ at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }]],
  'image/jpeg': [[{ at: 0, bytes: [0xff, 0xd8, 0xff] }]],
  'image/gif': [[{ at: 0, bytes: ascii('GIF87a') }], [{ at: 0, bytes: ascii('GIF89a') }]],
  'image/webp': [[{ at: 0, bytes: ascii('RIFF') }, { at: 8, bytes: ascii('WEBP') }]],
};

/** Whether the first bytes of a file are those of the announced image type (a script renamed `.png` is not). */
export function startsAs(type: ImageType, head: Buffer): boolean {
  return SIGNATURES[type].some((parts) => parts.every(({ at, bytes }) => bytes.every((byte, index) => head[at + index] === byte)));
}
