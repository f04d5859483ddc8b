// Content targeted at the visitor's segment, RFM group, churn risk or lifecycle stage: [data-patron-show] for matching
// visitors only, [data-patron-hide] hidden from them, both hidden until Patron knows who is looking.

import type { Patron } from './api';
import type { Core } from './core';
import { ask } from './reads';
import type { ProfileResponse } from './wire';

const HIDE_UNTIL_KNOWN = 'patron-targeting';
const SHOWN = 'data-patron-shown';

/**
 * Targeted content is hidden until Patron decides (pages should carry the same rule in their own CSS, so
 * nothing flashes before this script loads).
 */
function hideUntilKnown(doc: Document): void {
  if (doc.getElementById(HIDE_UNTIL_KNOWN)) return;
  const style = doc.createElement('style');
  style.id = HIDE_UNTIL_KNOWN;
  style.textContent = `[data-patron-show]:not([${SHOWN}]),[data-patron-hide]:not([${SHOWN}]){display:none!important}`;
  doc.head.append(style); // an HTML document always has one
}

export function targeting(core: Core): Pick<Patron, 'profile' | 'renderTargeted'> {
  const doc = core._doc;
  return {
    async profile() {
      if (core._consent !== 'granted') return null;
      return (core._profile ??= ask<ProfileResponse>(core, '/v1/profile').then((res) => {
        if (!res) core._profile = null; // try again next time
        return res;
      }));
    },
    async renderTargeted(root = doc) {
      if (!root) return;
      if (doc) hideUntilKnown(doc);
      const targeted = [...root.querySelectorAll<HTMLElement>('[data-patron-show],[data-patron-hide]')];
      if (!targeted.length) return;
      const wait = new Promise<null>((resolve) => setTimeout(resolve, core._options.targetingTimeout ?? 1000, null));
      const profile = await Promise.race([core.profile(), wait]);
      // The traits a rule can name (segment:<slug> or <id>, rfm:<group>, churn:<tier>, stage:<stage>), the collector's.
      const traits = new Set(profile?.traits);
      const tests = profile?.experiments ?? [];
      const matches = (rule: string | undefined) => !!rule && rule.split(/[\s,]+/).some((t) => traits.has(t));
      // A holdout (an experiment on no one block): targeted content is personalisation, shown or not.
      for (const x of tests) if (!x.content) core.track('Experiment Viewed', x);
      for (const el of targeted) {
        // Unknown visitor (or no answer in time): show-content stays hidden, hide-content is shown.
        const { patronShow: show, patronHide: hide, patronContent: key } = el.dataset;
        let shown = show !== undefined ? matches(show) : !matches(hide);
        // A block under test counts as exposed where it would show; its variant decides whether it does.
        const x = key && tests.find((t) => t.content === key);
        if (x && shown) {
          core.track('Experiment Viewed', x);
          shown = x.shown!;
        }
        el.toggleAttribute(SHOWN, shown);
      }
      // Decided: pages (and tests) can wait for this before anything that moves with the layout.
      doc?.documentElement.setAttribute('data-patron-targeted', '');
    },
  };
}
