// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QtGlobal>

namespace Optiverse::Collab {

class ServerSession;

/**
 * The server-wide memory budget of the sessions' histories (as Redis's
 * maxmemory): sessions report what their history holds as it changes, and
 * when the sum passes the budget the largest histories are trimmed until it
 * is back under 80 % of it. Not thread-safe (the server's thread).
 */
class HistoryBudget
{
public:
    explicit HistoryBudget(qint64 bytes) : m_bytes(bytes) {}

    qint64 bytes() const { return m_bytes; }
    qint64 used() const { return m_used; }

    void add(ServerSession *session) { m_sessions.append(session); }
    /// Forgets @p session and what it reported.
    void remove(ServerSession *session, qint64 reported);
    /// A session's history changed by @p delta bytes; trims if needed.
    void changed(qint64 delta);

private:
    void enforce();

    const qint64 m_bytes;
    qint64 m_used = 0;
    QList<ServerSession *> m_sessions;
    bool m_enforcing = false;
};

} // namespace Optiverse::Collab
