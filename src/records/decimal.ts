/**
 * Exact decimal text <-> unscaled bigint. Never goes through a double: "0.1" at scale 2 is
 * exactly 10n, and a 38-digit value keeps all 38 digits.
 */

const DECIMAL_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export type DecimalResult = { ok: true; unscaled: bigint } | { ok: false; problem: string };

/**
 * Parses decimal text (optionally with an exponent) into the unscaled value at `scale`.
 * Excess fraction digits are accepted only when they are zeros ("1.50" fits scale 1);
 * otherwise the value would have to be rounded, which a loader must not do silently.
 */
export function parseDecimal(text: string, precision: number, scale: number): DecimalResult {
  const m = DECIMAL_RE.exec(text);
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (!m || intPart.length + fracPart.length === 0) return { ok: false, problem: 'is not a decimal number' };
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp)) return { ok: false, problem: 'is out of range' };
  let digits = (intPart + fracPart).replace(/^0+/, '');
  // The value is digits * 10^(exp - fracPart.length); we want it times 10^scale.
  let shift = exp - fracPart.length + scale;
  if (digits === '') return { ok: true, unscaled: 0n };
  if (shift < 0) {
    const cut = -shift;
    const dropped = cut >= digits.length ? digits : digits.slice(digits.length - cut);
    if (/[^0]/.test(dropped))
      return { ok: false, problem: `has more than ${scale} digits after the decimal point` };
    digits = cut >= digits.length ? '' : digits.slice(0, digits.length - cut);
    shift = 0;
  }
  if (digits.length + shift > precision) {
    return { ok: false, problem: `does not fit decimal(${precision},${scale})` };
  }
  if (digits === '') return { ok: true, unscaled: 0n };
  const unscaled = BigInt(digits + '0'.repeat(shift));
  return { ok: true, unscaled: m[1] === '-' ? -unscaled : unscaled };
}

/** The canonical text of an unscaled value: "-12.30" for (-1230n, 2). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const abs = (neg ? -unscaled : unscaled).toString();
  if (scale === 0) return (neg ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}
