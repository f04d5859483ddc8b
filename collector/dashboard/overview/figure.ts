// The overview's figures in index.html, each found by its data-chart or data-table name: its caption, and its
// data-state (loading, ready, error), which is what the tests wait on.

export const figure = (name: string) => document.querySelector<HTMLElement>(`[data-chart="${name}"], [data-table="${name}"]`)!;

export const caption = (name: string, text: string) => (figure(name).querySelector('[data-caption]')!.textContent = text);

/** Runs one panel's loader; a failure shows in that panel's place and leaves the others be. */
export async function load(name: string, loader: () => Promise<void>) {
  const f = figure(name);
  f.dataset.state = 'loading';
  try {
    await loader();
    f.dataset.state = 'ready';
  } catch (error) {
    f.dataset.state = 'error';
    const p = f.querySelector('[data-caption]');
    if (p) p.textContent = `Could not load: ${(error as Error).message}`;
  }
}
