/** Temperatures arrive in °C; the panel shows them in the user's unit. */

export const FAHRENHEIT = "°F";
export const CELSIUS = "°C";

export const isFahrenheit = (unit: string | undefined): boolean =>
  (unit ?? "").toUpperCase().replace("º", "°").endsWith("F");

export function convertCelsius(celsius: number, unit: string | undefined): number {
  return isFahrenheit(unit) ? (celsius * 9) / 5 + 32 : celsius;
}

export function formatTemperature(celsius: number | null | undefined, unit: string | undefined, locale: string): string {
  if (celsius === null || celsius === undefined || !Number.isFinite(celsius)) return "";
  const value = convertCelsius(celsius, unit);
  const text = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
  return `${text} ${isFahrenheit(unit) ? FAHRENHEIT : CELSIUS}`;
}
