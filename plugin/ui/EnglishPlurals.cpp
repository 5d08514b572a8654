// SPDX-License-Identifier: MIT
#include "EnglishPlurals.h"

#include <QCoreApplication>

namespace Optiverse::Collab {

namespace {
EnglishPlurals *s_instance = nullptr;
int s_users = 0;
} // namespace

EnglishPlurals::Handle::Handle()
{
    if (s_users++ == 0 && QCoreApplication::instance()) {
        s_instance = new EnglishPlurals;
        QCoreApplication::installTranslator(s_instance);
    }
}

EnglishPlurals::Handle::~Handle()
{
    if (--s_users == 0 && s_instance) {
        QCoreApplication::removeTranslator(s_instance);
        delete s_instance;
        s_instance = nullptr;
    }
}

QString EnglishPlurals::translate(const char *context, const char *sourceText, const char *, int n) const
{
    // Only our own strings: the host's texts are the host's business.
    if (n < 0 || !context || qstrncmp(context, "Optiverse::Collab::", 19) != 0)
        return {};
    QString text = QString::fromUtf8(sourceText);
    if (!text.contains(QLatin1String("(s)")))
        return {};
    return text.replace(QLatin1String("(s)"), n == 1 ? QString() : QStringLiteral("s"));
}

} // namespace Optiverse::Collab
