/**
 * Conditions the model cannot decide from its state: has a driver's timeout expired, is a signal
 * pending. A scenario may fix one (`choices`, by label); otherwise the default (the first option)
 * holds, except for the explored choices: there the explorer tries every answer each time the code
 * asks (time passes between any two checks, so a timeout can expire at any of them).
 */
export const CHOICES = {
  timeout: ['not expired', 'expired'],
  signal: ['none', 'pending'],
} as const satisfies Record<string, readonly string[]>;

export type ChoiceLabel = keyof typeof CHOICES;

/**
 * Choices the explorer branches on. A thread pauses right before such a call (a scheduling point),
 * and the next run of the thread says which answer it gets (`dev0/timeout=expired` in a schedule).
 * Signals are not explored: a pending signal ends almost every path early, and says little about
 * the races the scenarios are about.
 */
export const EXPLORED_CHOICES: readonly ChoiceLabel[] = ['timeout'];

export function isChoiceLabel(label: string): label is ChoiceLabel {
  return Object.prototype.hasOwnProperty.call(CHOICES, label);
}

/** A schedule entry: the thread, and the answer its run gives to a choice it paused at. */
export function parseScheduleEntry(entry: string): { thread: string; choice?: { label: ChoiceLabel; index: number } } {
  const slash = entry.indexOf('/');
  if (slash < 0) return { thread: entry };
  const thread = entry.slice(0, slash);
  const m = /^(\w+)=(.+)$/.exec(entry.slice(slash + 1));
  const label = m?.[1] ?? '';
  if (!m || !isChoiceLabel(label)) throw new RangeError(`schedule entry '${entry}': expected THREAD or THREAD/CHOICE=ANSWER (choices: ${Object.keys(CHOICES).join(', ')})`);
  const options: readonly string[] = CHOICES[label];
  const index = options.indexOf(m[2]);
  if (index < 0) throw new RangeError(`schedule entry '${entry}': ${label} is one of ${options.map((o) => `'${o}'`).join(', ')}`);
  return { thread, choice: { label, index } };
}

/** The schedule entry for thread `id` answering `index` to `label` (the default answer: the thread alone). */
export function scheduleEntry(id: string, label: ChoiceLabel, index: number): string {
  return index === 0 ? id : `${id}/${label}=${CHOICES[label][index]}`;
}
