// SPDX-License-Identifier: MIT
#include "OwnerTokens.h"

#include <QSettings>

namespace Optiverse::Collab {

QString OwnerTokens::key(const QUrl &server, const QString &session, const QString &name)
{
    // One settings key per server, session and name: "/" would open a
    // settings group, so they are percent-encoded whole.
    const QString url = server.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveUserInfo | QUrl::RemoveQuery
                                        | QUrl::RemoveFragment).toString();
    return QStringLiteral("collaboration/ownerTokens/")
        + QString::fromLatin1(QUrl::toPercentEncoding(url + QLatin1Char(' ') + session + QLatin1Char(' ') + name));
}

QString OwnerTokens::load(const QUrl &server, const QString &session, const QString &name)
{
    return QSettings().value(key(server, session, name)).toString();
}

void OwnerTokens::store(const QUrl &server, const QString &session, const QString &name, const QString &token,
                        const QString &previous)
{
    QSettings settings;
    const QString k = key(server, session, name);
    if (!token.isEmpty())
        settings.setValue(k, token);
    else if (settings.value(k).toString() == previous)
        settings.remove(k);
}

} // namespace Optiverse::Collab
