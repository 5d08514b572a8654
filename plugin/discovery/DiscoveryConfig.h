// SPDX-License-Identifier: MIT
#pragma once

#include <QHostAddress>
#include <QList>
#include <QNetworkInterface>
#include <QStringList>

namespace Optiverse::Collab {

/**
 * Where LAN beacons go and are listened for: a multicast group and UDP port,
 * on a set of network interfaces. The product default is every interface
 * that is up (loopback included); tests, the demo and anyone who wants to
 * keep beacons on one machine restrict it with OPTIVERSE_DISCOVERY_INTERFACES=lo.
 */
struct DiscoveryConfig
{
    static constexpr quint16 DefaultPort = 8765; // UDP; the server's default TCP port, easy to open both
    static constexpr int AnnounceIntervalMs = 2000;
    static constexpr int ExpiryMs = 6000;        // three missed beacons
    static QHostAddress defaultGroup() { return QHostAddress(QStringLiteral("239.255.87.65")); } // organisation-local scope

    QHostAddress group = defaultGroup();
    quint16 port = DefaultPort;
    /// Interface names (as `ip link` shows them) to use; only meaningful
    /// when allInterfaces is false. A name that does not exist is skipped:
    /// it never widens the choice to all interfaces.
    QStringList interfaceNames;
    bool allInterfaces = true;
    /// Also send each beacon to the interface's IPv4 broadcast address
    /// (networks that filter multicast usually let broadcast through).
    bool broadcast = true;

    /// The defaults, overridden by OPTIVERSE_DISCOVERY_INTERFACES ("lo" or
    /// "lo,eth1"), OPTIVERSE_DISCOVERY_PORT and OPTIVERSE_DISCOVERY_GROUP.
    /// An invalid value is reported in @p warning and the default kept, except
    /// for the interface list, where it means "none".
    static DiscoveryConfig fromEnvironment(QString *warning = nullptr);

    /// The chosen interfaces that are up and have an IPv4 address.
    QList<QNetworkInterface> interfaces() const;
    /// "lo, eth0" for log lines.
    static QString describe(const QList<QNetworkInterface> &interfaces);
};

} // namespace Optiverse::Collab
