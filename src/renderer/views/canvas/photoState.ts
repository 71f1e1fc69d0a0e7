// One line telling why a photo has no result to show (heatmap and matte views).
import type { PhotoInfo } from '../../../shared/contract';
import { fileErrorWords } from '../../../shared/wording';

/** What to show instead of a result (shared with the matte review). */
export function stateMessage(photo: PhotoInfo): string {
  switch (photo.state) {
    case 'new':
      return `${photo.name} has not been matted yet.`;
    case 'queued':
      return `${photo.name} is queued…`;
    case 'running':
      return `Matting ${photo.name}…`;
    case 'failed':
      return photo.error ? `${photo.name}: ${fileErrorWords(photo.error).plain}` : `${photo.name} failed.`;
    case 'missing':
      return photo.error ? `${photo.name}: ${fileErrorWords(photo.error).plain}` : `${photo.name} is missing (moved or deleted?).`;
    default:
      return '';
  }
}
