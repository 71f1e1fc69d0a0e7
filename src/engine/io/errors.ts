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

/**
 * What every file error of the engine is: one line, `cannot <verb> <thing> "<file>": <reason>`,
 * with the path as given and the reason apart so callers can show either without parsing.
 */
export abstract class FileError extends Error {
  /** The path as given by the caller. */
  readonly file: string;
  /** What is wrong, without the file name, e.g. `file is empty (0 bytes)`. */
  readonly reason: string;

  protected constructor(action: string, file: string, reason: string, cause?: unknown) {
    const r = oneLine(reason);
    super(`cannot ${action} "${printable(file)}": ${r}`, { cause });
    this.file = file;
    this.reason = r;
  }
}

/** A problem with an input image or mask file. */
export class ImageInputError extends FileError {
  override readonly name = 'ImageInputError';

  constructor(file: string, reason: string, options?: { kind?: 'image' | 'mask'; cause?: unknown }) {
    super(`read ${options?.kind ?? 'image'}`, file, reason, options?.cause);
  }
}

/** A problem writing an output file. */
export class ImageOutputError extends FileError {
  override readonly name = 'ImageOutputError';

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('write image', file, reason, options?.cause);
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
