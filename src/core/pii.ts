/** Chinese mobiles: +86 and 11 digits starting with 1[3-9]. Other countries keep their E.164 form. */
export function normalizePhone(raw: string, defaultCountry = '86'): string | null {
  const digits = raw.replace(/[\s\-().]/g, '');
  if (/^\+\d{6,15}$/.test(digits)) return digits.startsWith('+86') && !/^\+861[3-9]\d{9}$/.test(digits) ? null : digits;
  if (/^00\d{6,15}$/.test(digits)) return normalizePhone(`+${digits.slice(2)}`, defaultCountry);
  if (/^86(1[3-9]\d{9})$/.test(digits)) return `+${digits}`;
  if (/^1[3-9]\d{9}$/.test(digits) && defaultCountry === '86') return `+86${digits}`;
  return null;
}

/** 138****5678: enough for staff to recognise a customer, not to call them. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  const local = phone.startsWith('+86') ? phone.slice(3) : phone;
  if (local.length < 7) return '*'.repeat(local.length);
  return `${local.slice(0, 3)}****${local.slice(-4)}`;
}

/** 张* / 欧阳** / J*** */
export function maskName(name: string | null): string | null {
  if (!name) return name;
  const chars = [...name];
  const keep = chars.length >= 4 && /[\u4e00-\u9fff]/.test(name) ? 2 : 1;
  return chars.slice(0, keep).join('') + '*'.repeat(Math.max(1, chars.length - keep));
}
