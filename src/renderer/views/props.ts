// Props of the three image views, agreed between the app shell (App.tsx) and the views
// (src/renderer/views/*). Coordinates in prompts/corrections are the photo's pixel coordinates
// (PhotoInfo.width × height, EXIF orientation applied).
import type { Correction, PhotoInfo, ReferencePrompt } from '../../shared/contract';
import type { Bridge } from '../bridge';
import type { EditorModel } from '../state/editor';
import type { KeptMaps } from '../state/kept-maps';
import type { MatteViewModel } from '../state/matte-view';

export interface ReferenceEditorProps {
  bridge: Bridge;
  photo: PhotoInfo;
  /** The app's copy of the prompt (vectors); the model adopts it when it differs from its own. */
  prompt: ReferencePrompt;
  /** Holds the prompt, its undo/redo history, tool, brush size and zoom of every reference; reports edits. */
  editor: EditorModel;
}

export interface HeatmapViewProps {
  bridge: Bridge;
  /** A target photo; the view shows its result's S / S′ over the photo (asset kinds 'inter', 'intra'). */
  photo: PhotoInfo;
  /** The maps last shown: a stale photo shows its previous map, dimmed, until the new one arrives. */
  keptMaps: KeptMaps;
}

export interface MatteReviewProps {
  bridge: Bridge;
  photo: PhotoInfo;
  /** Current correction of this target (null = none); the view calls onCorrection to set or clear it. */
  correction: Correction | null;
  onCorrection(correction: Correction | null): void;
  /** The loupe's state (Review at 100 %): zoom, background, the place looked at per photo, the soft-edge points. */
  matteView: MatteViewModel;
}
