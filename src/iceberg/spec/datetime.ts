/**
 * Calendar arithmetic on epoch days/micros (proleptic Gregorian, UTC) and the human strings Java
 * produces for partition paths (TransformUtil / java.time toString). Pure integer math: JS Date
 * covers only ±8.64e15 ms and cannot represent micros.
 */

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;

/** Floor division for bigint (BigInt `/` truncates toward zero). */
export function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function floorModBig(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

export interface CivilDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

/** Civil date of a day count from 1970-01-01 (H. Hinnant's days_from_civil inverse). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Days from 1970-01-01 of a civil date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * floor(micros / unit) in doubles when micros is a safe integer (every instant within ~285 years
 * of 1970): BigInt division allocates and was the partitioned writer's cost per row. The
 * quotient's rounding is corrected through the remainder, which is exact (q * unit < 2^53).
 */
function floorDivMicros(micros: bigint, unit: number, unitBig: bigint): number {
  const n = Number(micros);
  if (!Number.isSafeInteger(n)) return Number(floorDivBig(micros, unitBig));
  let q = Math.floor(n / unit);
  const r = n - q * unit;
  if (r < 0) q -= 1;
  else if (r >= unit) q += 1;
  return q;
}

export function daysFromMicros(micros: bigint): number {
  return floorDivMicros(micros, 86_400_000_000, MICROS_PER_DAY);
}

export function hoursFromMicros(micros: bigint): number {
  return floorDivMicros(micros, 3_600_000_000, MICROS_PER_HOUR);
}

export function monthsFromDays(days: number): number {
  const { year, month } = civilFromDays(days);
  return (year - 1970) * 12 + (month - 1);
}

export function yearsFromDays(days: number): number {
  return civilFromDays(days).year - 1970;
}

// ---- human strings ----

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Java's String.format("%04d", n): zero padded to width 4, the sign counting toward the width. */
function javaPad4(n: number): string {
  return n < 0 ? '-' + String(-n).padStart(3, '0') : String(n).padStart(4, '0');
}

/** java.time.LocalDate#toString year: 4+ digits, '-' for BCE-ish years, '+' beyond 9999. */
function isoYear(year: number): string {
  if (Math.abs(year) < 1000) return (year < 0 ? '-' : '') + String(Math.abs(year)).padStart(4, '0');
  return (year > 9999 ? '+' : '') + String(year);
}

/** '2017-11-16' (LocalDate#toString). */
export function humanDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${pad2(month)}-${pad2(day)}`;
}

/** '2017-11' from months since 1970-01. */
export function humanMonth(months: number): string {
  const year = 1970 + Math.floor(months / 12);
  const month = months - Math.floor(months / 12) * 12 + 1;
  return `${javaPad4(year)}-${pad2(month)}`;
}

/** '2017' from years since 1970. */
export function humanYear(years: number): string {
  return javaPad4(1970 + years);
}

/** '2017-11-16-22' from hours since the epoch. */
export function humanHour(hours: number): string {
  const days = Math.floor(hours / 24);
  const hour = hours - days * 24;
  const { year, month, day } = civilFromDays(days);
  return `${javaPad4(year)}-${pad2(month)}-${pad2(day)}-${pad2(hour)}`;
}

/** LocalTime#toString: 'HH:mm', then ':ss' and a 3/6-digit fraction only when non-zero. */
export function humanTime(microsOfDay: bigint): string {
  const us = Number(microsOfDay);
  const totalSeconds = Math.floor(us / 1_000_000);
  const frac = us - totalSeconds * 1_000_000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  let out = `${pad2(h)}:${pad2(m)}`;
  if (s > 0 || frac > 0) {
    out += `:${pad2(s)}`;
    if (frac > 0)
      out +=
        frac % 1000 === 0 ? '.' + String(frac / 1000).padStart(3, '0') : '.' + String(frac).padStart(6, '0');
  }
  return out;
}

/** LocalDateTime#toString: '2017-11-16T22:31:08' (seconds and fraction only when non-zero). */
export function humanTimestamp(micros: bigint): string {
  const days = floorDivBig(micros, MICROS_PER_DAY);
  const rest = micros - days * MICROS_PER_DAY;
  return `${humanDay(Number(days))}T${humanTime(rest)}`;
}

/** OffsetDateTime#toString in UTC: '2017-11-16T22:31:08Z'. */
export function humanTimestamptz(micros: bigint): string {
  return humanTimestamp(micros) + 'Z';
}
