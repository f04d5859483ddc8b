// The CSV buttons: each saves the report its panel draws, as the collector writes it with format=csv.

import type { Api } from '../api';
import type { Panel } from './panel';

/** Wires every [data-csv] button to the panel of that name. */
export function offerDownloads(api: Api, panels: readonly Panel[]) {
  const byName = new Map(panels.map((p) => [p.name, p]));
  // Each tab wires its own panels' buttons.
  [...document.querySelectorAll<HTMLButtonElement>('[data-csv]')]
    .filter((button) => byName.has(button.dataset.csv!))
    .forEach((button) =>
      button.addEventListener('click', () => {
        const [path, name] = byName.get(button.dataset.csv!)!.csv();
        api.download(path, name).catch((error: Error) => alert(`Could not download: ${error.message}`));
      }),
    );
}
