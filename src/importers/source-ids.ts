/**
 * Source ids as the importers key them, so a lookup finds a record however the source spells its
 * id: CDNOW pads customer ids with zeros ("00004" is customer 4), Online Retail's CustomerID may be
 * read as a decimal ("17850.0"). Other systems' ids are taken as they are (trimmed).
 */
export function normaliseSourceId(system: string, id: string): string {
  const trimmed = id.trim();
  switch (system) {
    case 'cdnow':
      return trimmed.replace(/^0+(?=\d)/, '');
    case 'online-retail':
      return trimmed.replace(/^(\d+)\.0+$/, '$1');
    default:
      return trimmed;
  }
}
