// SPDX-License-Identifier: MIT
#pragma once

#include "AdvertisedSession.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QUrl>

namespace Optiverse::Collab {

/**
 * The LAN beacon: one UDP datagram holding a JSON object that says which
 * Optiverse server runs where and which sessions it has (format in README,
 * "Finding sessions on the LAN"). Never carries a password.
 *
 * Beacons are untrusted input: parse() checks every field and bound, and
 * accepts only URLs on the address the datagram came from, so a beacon can
 * announce a server on its own machine only.
 */
class Beacon
{
public:
    static constexpr int FormatVersion = 1;   // "v"
    static constexpr int ProtocolVersion = 1; // "protocol": the collaboration protocol of README "Protocol and compatibility"
    static constexpr int MaxDatagramBytes = 8192;
    static constexpr int MaxUrls = 8;
    static constexpr int MaxUrlLength = 256;
    static constexpr int MaxSessions = 64;
    static constexpr int MaxNamesPerSession = 64;
    static constexpr int MaxUsers = 1000000;
    static constexpr int MaxInstanceLength = 64;

    QString instance; ///< random per server run: tells servers on one machine apart
    QString name;     ///< the server's name, e.g. "alice" or the computer's name
    QList<QUrl> urls; ///< ws:// or wss://, host:port, nothing else
    bool passwordRequired = false;
    QString fingerprint; ///< "AB:CD:…" SHA-256 of the TLS certificate; empty without TLS
    QList<AdvertisedSession> sessions;
    bool bye = false;      ///< the server is stopping: forget it now
    bool truncated = false; ///< sessions or names were left out to fit MaxDatagramBytes

    bool operator==(const Beacon &o) const;
    bool operator!=(const Beacon &o) const { return !(*this == o); }

    /// The datagram, at most MaxDatagramBytes: sessions beyond MaxSessions,
    /// then user names, then the last sessions are left out (truncated set) to fit.
    QByteArray toDatagram() const;

    /// Validates @p datagram received from @p sender. On success fills @p out
    /// (URLs reduced to those on @p sender) and returns true; otherwise
    /// returns false with a short reason (never echoing the input at length).
    static bool parse(QByteArrayView datagram, const QHostAddress &sender, Beacon *out, QString *error);

    /// A server name as announced: 1-64 characters, no control characters.
    static bool isValidServerName(const QString &name);

private:
    QByteArray serialise(int sessionCount, bool withNames) const;
};

} // namespace Optiverse::Collab
