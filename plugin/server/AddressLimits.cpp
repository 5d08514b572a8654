// SPDX-License-Identifier: MIT
#include "AddressLimits.h"

namespace Optiverse::Collab {

QString AddressLimits::keyOf(const QHostAddress &address)
{
    bool isIPv4 = false;
    const quint32 v4 = address.toIPv4Address(&isIPv4);
    return isIPv4 ? QHostAddress(v4).toString() : address.toString();
}

QString AddressLimits::describe(Verdict verdict) const
{
    switch (verdict) {
    case Verdict::Admitted:
        break;
    case Verdict::ServerFull:
        return QStringLiteral("the server holds as many connections as it can (%1)").arg(m_limits.maxSockets);
    case Verdict::TooManyHandshakes:
        return QStringLiteral("too many handshakes in progress (%1)").arg(m_limits.maxHandshakes);
    case Verdict::TooManyHandshakesFromAddress:
        return QStringLiteral("too many handshakes in progress from this address (%1)").arg(m_limits.maxHandshakesPerAddress);
    case Verdict::TooManyConnectionsFromAddress:
        return QStringLiteral("too many connections from this address (%1)").arg(m_limits.maxConnectionsPerAddress);
    }
    return {};
}

AddressLimits::Verdict AddressLimits::open(quintptr id, const QString &address)
{
    close(id); // a socket at the address of one whose end went unnoticed
    if (m_limits.maxSockets > 0 && sockets() >= m_limits.maxSockets)
        return Verdict::ServerFull;
    if (m_handshakes >= m_limits.maxHandshakes)
        return Verdict::TooManyHandshakes;
    Counts &counts = m_byAddress[address];
    if (counts.handshakes >= m_limits.maxHandshakesPerAddress) {
        if (counts.handshakes == 0 && counts.connections == 0)
            m_byAddress.remove(address);
        return Verdict::TooManyHandshakesFromAddress;
    }
    ++counts.handshakes;
    ++m_handshakes;
    m_sockets.insert(id, Socket{address, false});
    return Verdict::Admitted;
}

AddressLimits::Verdict AddressLimits::join(quintptr id)
{
    const auto it = m_sockets.find(id);
    if (it == m_sockets.end() || it->joined)
        return Verdict::Admitted;
    Counts &counts = m_byAddress[it->address];
    if (counts.connections >= m_limits.maxConnectionsPerAddress)
        return Verdict::TooManyConnectionsFromAddress;
    it->joined = true;
    --counts.handshakes;
    --m_handshakes;
    ++counts.connections;
    return Verdict::Admitted;
}

void AddressLimits::close(quintptr id)
{
    const auto it = m_sockets.find(id);
    if (it == m_sockets.end())
        return;
    const auto counts = m_byAddress.find(it->address);
    if (counts != m_byAddress.end()) {
        if (it->joined) {
            --counts->connections;
        } else {
            --counts->handshakes;
            --m_handshakes;
        }
        if (counts->handshakes <= 0 && counts->connections <= 0)
            m_byAddress.erase(counts);
    }
    m_sockets.erase(it);
}

} // namespace Optiverse::Collab
