/* Status names and texts, and filling par_error. */
#include <stdio.h>

#include "core/internal.h"

const char *par_status_name(int status)
{
        switch (status) {
#define PAR__STATUS_NAME(name, value, text) \
        case (value):                       \
                return "PAR_" #name;
                PAR_STATUS_MAP(PAR__STATUS_NAME)
#undef PAR__STATUS_NAME
        }
        return "PAR_E?";
}

const char *par_strerror(int status)
{
        switch (status) {
#define PAR__STATUS_TEXT(name, value, text) \
        case (value):                       \
                return text;
                PAR_STATUS_MAP(PAR__STATUS_TEXT)
#undef PAR__STATUS_TEXT
        }
        return "unknown status";
}

void par_error_clear(par_error *err)
{
        if (!err)
                return;
        err->code = 0;
        err->message[0] = '\0';
}

const char *par_version(void)
{
        return PAR_VERSION_STRING;
}

int par__verrorf(par_error *err, int code, const char *fmt, va_list ap)
{
        if (err) {
                err->code = code;
                vsnprintf(err->message, sizeof err->message, fmt, ap);
        }
        return code;
}

int par__errorf(par_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        par__verrorf(err, code, fmt, ap);
        va_end(ap);
        return code;
}

void par__error_prefix(par_error *err, const char *fmt, ...)
{
        if (!err)
                return;
        char prefix[PAR_ERROR_MESSAGE_SIZE];
        char old[PAR_ERROR_MESSAGE_SIZE];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, err->message, sizeof old);
        snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
}
