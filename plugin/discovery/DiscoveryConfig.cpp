// SPDX-License-Identifier: MIT
#include "DiscoveryConfig.h"

namespace Optiverse::Collab {

namespace {
bool hasIpv4(const QNetworkInterface &iface)
{
    const auto entries = iface.addressEntries();
    return std::any_of(entries.cbegin(), entries.cend(), [](const QNetworkAddressEntry &e) {
        return e.ip().protocol() == QAbstractSocket::IPv4Protocol;
    });
}

void addWarning(QString *warning, const QString &text)
{
    if (!warning)
        return;
    if (!warning->isEmpty())
        warning->append(QLatin1String("; "));
    warning->append(text);
}
} // namespace

DiscoveryConfig DiscoveryConfig::fromEnvironment(QString *warning)
{
    DiscoveryConfig c;
    if (qEnvironmentVariableIsSet("OPTIVERSE_DISCOVERY_INTERFACES")) {
        c.allInterfaces = false;
        const QString names = qEnvironmentVariable("OPTIVERSE_DISCOVERY_INTERFACES");
        for (const QString &name : names.split(QLatin1Char(','), Qt::SkipEmptyParts))
            c.interfaceNames.append(name.trimmed());
        if (c.interfaceNames.isEmpty())
            addWarning(warning, QStringLiteral("OPTIVERSE_DISCOVERY_INTERFACES is empty: no interface is used"));
    }
    if (qEnvironmentVariableIsSet("OPTIVERSE_DISCOVERY_PORT")) {
        bool ok = false;
        const int port = qEnvironmentVariableIntValue("OPTIVERSE_DISCOVERY_PORT", &ok);
        if (ok && port > 0 && port < 65536)
            c.port = quint16(port);
        else
            addWarning(warning, QStringLiteral("OPTIVERSE_DISCOVERY_PORT is not a port from 1 to 65535"));
    }
    if (qEnvironmentVariableIsSet("OPTIVERSE_DISCOVERY_GROUP")) {
        const QHostAddress group(qEnvironmentVariable("OPTIVERSE_DISCOVERY_GROUP"));
        if (group.protocol() == QAbstractSocket::IPv4Protocol && group.isMulticast())
            c.group = group;
        else
            addWarning(warning, QStringLiteral("OPTIVERSE_DISCOVERY_GROUP is not an IPv4 multicast address"));
    }
    return c;
}

QList<QNetworkInterface> DiscoveryConfig::interfaces() const
{
    QList<QNetworkInterface> result;
    const auto all = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : all) {
        if (!allInterfaces && !interfaceNames.contains(iface.name()))
            continue;
        const auto flags = iface.flags();
        if (!flags.testFlag(QNetworkInterface::IsUp) || !hasIpv4(iface))
            continue;
        // Loopback carries multicast on Linux although it does not say so.
        if (allInterfaces && !flags.testFlag(QNetworkInterface::CanMulticast)
            && !flags.testFlag(QNetworkInterface::IsLoopBack))
            continue;
        result.append(iface);
    }
    return result;
}

QString DiscoveryConfig::describe(const QList<QNetworkInterface> &interfaces)
{
    QStringList names;
    for (const QNetworkInterface &iface : interfaces)
        names.append(iface.name());
    return names.isEmpty() ? QStringLiteral("no interface") : names.join(QLatin1String(", "));
}

} // namespace Optiverse::Collab
