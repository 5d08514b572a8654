// SPDX-License-Identifier: MIT
#include "DiscoveredServer.h"

#include <QJsonArray>

namespace Optiverse::Collab {

QUrl DiscoveredServer::url() const
{
    for (const QUrl &u : beacon.urls)
        if (u.scheme() == QLatin1String("wss"))
            return u;
    return beacon.urls.value(0);
}

QJsonObject DiscoveredServer::toJson() const
{
    QJsonArray urls;
    for (const QUrl &u : beacon.urls)
        urls.append(u.toString());
    QJsonArray sessions;
    for (const AdvertisedSession &s : beacon.sessions) {
        QJsonObject o{{QLatin1String("id"), s.id}, {QLatin1String("users"), s.users}};
        if (!s.names.isEmpty())
            o.insert(QLatin1String("names"), QJsonArray::fromStringList(s.names));
        sessions.append(o);
    }
    return QJsonObject{
        {QLatin1String("url"), url().toString()},
        {QLatin1String("urls"), urls},
        {QLatin1String("name"), beacon.name},
        {QLatin1String("password_required"), beacon.passwordRequired},
        {QLatin1String("fingerprint"), beacon.fingerprint.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(beacon.fingerprint)},
        {QLatin1String("sessions"), sessions},
    };
}

} // namespace Optiverse::Collab
