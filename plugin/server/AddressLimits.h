// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>

namespace Optiverse::Collab {

/**
 * The server's sockets counted per client address, from TCP accept until
 * they close. A socket is first a handshake (WebSocket upgrade, password
 * check, delayed refusal), then, once it joined a session, a connection.
 * open() decides at accept whether another handshake may start, join()
 * whether another connection may stay, so that neither one address nor a
 * flood from many can take every descriptor or delay everyone's handshakes.
 */
class AddressLimits
{
public:
    struct Limits
    {
        int maxSockets = 0;                ///< server-wide, handshakes and connections; 0: no cap
        int maxHandshakes = 256;           ///< server-wide
        int maxHandshakesPerAddress = 8;
        int maxConnectionsPerAddress = 64; ///< joined connections
    };
    enum class Verdict { Admitted, ServerFull, TooManyHandshakes, TooManyHandshakesFromAddress, TooManyConnectionsFromAddress };

    AddressLimits() = default;
    explicit AddressLimits(const Limits &limits) : m_limits(limits) {}
    void setLimits(const Limits &limits) { m_limits = limits; }
    const Limits &limits() const { return m_limits; }

    /// The key an address is counted under: an IPv4-mapped IPv6 address is
    /// its IPv4 address (a dual-stack listener sees both forms).
    static QString keyOf(const QHostAddress &address);
    /// For the log: "too many handshakes in progress from this address (8)".
    QString describe(Verdict verdict) const;

    /// At accept: counts socket @p id as a handshake from @p address, or says why not.
    Verdict open(quintptr id, const QString &address);
    /// At join: the handshake @p id becomes a connection, or says why not
    /// (it then stays a handshake until it closes).
    Verdict join(quintptr id);
    /// Socket @p id closed, at whatever stage.
    void close(quintptr id);

    QString addressOf(quintptr id) const { return m_sockets.value(id).address; }
    int sockets() const { return int(m_sockets.size()); }
    int handshakes() const { return m_handshakes; }
    int handshakesFrom(const QString &address) const { return m_byAddress.value(address).handshakes; }
    int connectionsFrom(const QString &address) const { return m_byAddress.value(address).connections; }

private:
    struct Counts
    {
        int handshakes = 0;
        int connections = 0;
    };
    struct Socket
    {
        QString address;
        bool joined = false;
    };

    Limits m_limits;
    QHash<QString, Counts> m_byAddress; // addresses with open sockets only
    QHash<quintptr, Socket> m_sockets;
    int m_handshakes = 0;
};

} // namespace Optiverse::Collab
