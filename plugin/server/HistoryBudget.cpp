// SPDX-License-Identifier: MIT
#include "HistoryBudget.h"

#include "ServerLog.h"
#include "ServerSession.h"

#include <algorithm>

namespace Optiverse::Collab {

void HistoryBudget::remove(ServerSession *session, qint64 reported)
{
    m_sessions.removeOne(session);
    m_used -= reported;
}

void HistoryBudget::changed(qint64 delta)
{
    m_used += delta;
    if (m_used > m_bytes && !m_enforcing)
        enforce();
}

void HistoryBudget::enforce()
{
    m_enforcing = true;
    const qint64 target = m_bytes / 10 * 8;
    // The largest first, each down to half: one trim then frees room for a
    // while, instead of trimming a little on every change.
    QList<ServerSession *> bySize = m_sessions;
    std::sort(bySize.begin(), bySize.end(),
              [](const ServerSession *a, const ServerSession *b) { return a->historyBytes() > b->historyBytes(); });
    for (ServerSession *s : std::as_const(bySize)) {
        if (m_used <= target)
            break;
        s->trimHistory(s->historyBytes() / 2);
    }
    if (m_used > m_bytes)
        qCWarning(lcServer).noquote() << "memory budget: histories hold" << m_used / 1024 << "KiB of" << m_bytes / 1024
                                      << "KiB after trimming";
    m_enforcing = false;
}

} // namespace Optiverse::Collab
