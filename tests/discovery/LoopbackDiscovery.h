// SPDX-License-Identifier: MIT
#pragma once

#include "DiscoveryConfig.h"

#include <QUdpSocket>

/// Beacons on the loopback interface only, on a UDP port no other test uses
/// now: parallel suites (and other programs) never hear each other's beacons.
/// The port is also put in OPTIVERSE_DISCOVERY_PORT for child processes and
/// widgets that read the environment.
inline Optiverse::Collab::DiscoveryConfig loopbackDiscovery()
{
    QUdpSocket probe;
    probe.bind(QHostAddress::AnyIPv4, 0);
    Optiverse::Collab::DiscoveryConfig config;
    config.port = probe.localPort();
    config.allInterfaces = false;
    config.interfaceNames = {QStringLiteral("lo")};
    qputenv("OPTIVERSE_DISCOVERY_INTERFACES", "lo");
    qputenv("OPTIVERSE_DISCOVERY_PORT", QByteArray::number(config.port));
    return config;
}
