// A file error in a photographer's words, with the technical message folded away under "details".
import { fileErrorWords } from '../../shared/wording';

export function ErrorText({ message }: { message: string }) {
  const { plain, details } = fileErrorWords(message);
  return (
    <span className="error-text">
      <span className="error-plain">{plain}</span>
      {details && (
        <details className="error-details">
          <summary>details</summary>
          <code>{details}</code>
        </details>
      )}
    </span>
  );
}
