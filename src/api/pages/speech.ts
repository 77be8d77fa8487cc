import type { Language, Translate } from './i18n';
import type { Words } from './vocabulary';

/** How a page speaks: its messages, the platform's codes in words, and its language for days and times. */
export interface Speech {
  t: Translate;
  w: Words;
  language: Language;
}
