// How the overview writes its figures, in the reader's locale: counts whole, money to the cent, shares as percentages.

export const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
