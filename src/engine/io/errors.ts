// Errors of image input and output: one line naming the file (ImageInputError for what was read,
// ImageOutputError for what was written), with the OS's reason in words.

/** Renders a path for a one-line message: control characters are escaped. */
export function printable(p: string): string {
  return p.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Collapses a (possibly multi-line) library message to one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A problem with an input image or mask file; `message` is one line naming the file. */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
  /** The path as given by the caller. */
  readonly file: string;
  /** What is wrong, without the file name, e.g. `file is empty (0 bytes)`. */
  readonly reason: string;

  constructor(file: string, reason: string, options?: { kind?: 'image' | 'mask'; cause?: unknown }) {
    const r = oneLine(reason);
    super(`cannot read ${options?.kind ?? 'image'} "${printable(file)}": ${r}`, { cause: options?.cause });
    this.file = file;
    this.reason = r;
  }
}

/** A problem writing an output file; `message` is one line naming the file. */
export class ImageOutputError extends Error {
  override readonly name = 'ImageOutputError';
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    const r = oneLine(reason);
    super(`cannot write image "${printable(file)}": ${r}`, { cause: options?.cause });
    this.file = file;
    this.reason = r;
  }
}

export function errnoReason(err: unknown, fallback: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not an image file';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return `${fallback}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The first line of a decoder's message. */
export function sharpDetail(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}
