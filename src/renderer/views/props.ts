// Props of the three image views, agreed between the app shell (App.tsx) and the views
// (src/renderer/views/*). Coordinates in prompts/corrections are the photo's pixel coordinates
// (PhotoInfo.width × height, EXIF orientation applied).
import type { Correction, PhotoInfo, ReferencePrompt } from '../../shared/contract';
import type { Bridge } from '../bridge';

export interface ReferenceEditorProps {
  bridge: Bridge;
  photo: PhotoInfo;
  /** The prompt being edited (vectors); the editor calls onChange after every edit (incl. undo/redo/clear). */
  prompt: ReferencePrompt;
  onChange(prompt: ReferencePrompt): void;
}

export interface HeatmapViewProps {
  bridge: Bridge;
  /** A target photo; the view shows its result's S / S′ over the photo (asset kinds 'inter', 'intra'). */
  photo: PhotoInfo;
}

export interface MatteReviewProps {
  bridge: Bridge;
  photo: PhotoInfo;
  /** Current correction of this target (null = none); the view calls onCorrection to set or clear it. */
  correction: Correction | null;
  onCorrection(correction: Correction | null): void;
}
