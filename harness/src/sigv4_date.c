/*
 * SigV4 dates: X-Amz-Date's ISO-8601 basic form ("20150830T123600Z") written and read, and the
 * IMF-fixdate Date header a request may carry instead. Part of the SigV4 module (sigv4_internal.h).
 */
#include "sigv4_internal.h"

#include <time.h>

/* ------------------------------------------------------------------------------------------------ */
/* Dates                                                                                            */

/* Fixed-width decimal, most significant digit first (values are range-checked by the caller). */
static void s_put_digits(char *out, int64_t value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void ecc_sigv4_format_date(int64_t epoch_s, char out[ECC_SIGV4_DATE_LEN]) {
    int64_t days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
    int64_t secs = epoch_s - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999) {
        y = y < 0 ? 0 : 9999;
    }
    s_put_digits(out, y, 4);
    s_put_digits(out + 4, m, 2);
    s_put_digits(out + 6, d, 2);
    out[8] = 'T';
    s_put_digits(out + 9, secs / 3600, 2);
    s_put_digits(out + 11, secs / 60 % 60, 2);
    s_put_digits(out + 13, secs % 60, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

static bool s_digits(const char *text, size_t n, int *out) {
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

enum ecc_status ecc_sigv4_parse_date(const char *text, int64_t *out_epoch_s) {
    int y, mo, d, h, mi, s;
    if (!text || strlen(text) != 16 || text[8] != 'T' || text[15] != 'Z' || !s_digits(text, 4, &y) ||
        !s_digits(text + 4, 2, &mo) || !s_digits(text + 6, 2, &d) || !s_digits(text + 9, 2, &h) ||
        !s_digits(text + 11, 2, &mi) || !s_digits(text + 13, 2, &s)) {
        return ECC_ERR_INVALID;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
        s > 59) {
        return ECC_ERR_INVALID;
    }
    *out_epoch_s = ecc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return ECC_OK;
}

enum ecc_status sigv4_parse_http_date(const char *text, int64_t *out_epoch_s) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int d, y, h, mi, s;
    if (strlen(text) != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || strcmp(text + 25, " GMT") != 0 ||
        !s_digits(text + 5, 2, &d) || !s_digits(text + 12, 4, &y) || !s_digits(text + 17, 2, &h) ||
        !s_digits(text + 20, 2, &mi) || !s_digits(text + 23, 2, &s)) {
        return ECC_ERR_INVALID;
    }
    const char *month = NULL;
    for (size_t i = 0; i + 3 <= sizeof(months) - 1; i += 3) {
        if (memcmp(months + i, text + 8, 3) == 0) {
            month = months + i;
        }
    }
    if (!month) {
        return ECC_ERR_INVALID;
    }
    char iso[ECC_SIGV4_DATE_LEN];
    s_put_digits(iso, y, 4);
    s_put_digits(iso + 4, (month - months) / 3 + 1, 2);
    s_put_digits(iso + 6, d, 2);
    iso[8] = 'T';
    s_put_digits(iso + 9, h, 2);
    s_put_digits(iso + 11, mi, 2);
    s_put_digits(iso + 13, s, 2);
    iso[15] = 'Z';
    iso[16] = '\0';
    return ecc_sigv4_parse_date(iso, out_epoch_s);
}

int64_t sigv4_now(ecc_sigv4_clock_fn *clock, void *user_data) {
    return clock ? clock(user_data) : (int64_t)time(NULL);
}
