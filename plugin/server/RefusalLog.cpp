// SPDX-License-Identifier: MIT
#include "RefusalLog.h"

namespace Optiverse::Collab {

RefusalLog::RefusalLog(qint64 intervalMs, int maxKeys) : m_intervalMs(intervalMs), m_maxKeys(maxKeys) {}

bool RefusalLog::shouldLog(const QString &key, qint64 nowMs, int *unlogged)
{
    auto it = m_entries.find(key);
    if (it == m_entries.end()) {
        if (m_entries.size() >= m_maxKeys)
            prune(nowMs);
        // Many addresses at once: they share one line a minute.
        const QString shared = QStringLiteral("*");
        if (m_entries.size() >= m_maxKeys && key != shared)
            return shouldLog(shared, nowMs, unlogged);
        m_entries.insert(key, Entry{nowMs, 0});
        *unlogged = 0;
        return true;
    }
    if (nowMs - it->loggedAt < m_intervalMs) {
        ++it->unlogged;
        return false;
    }
    *unlogged = it->unlogged;
    it->loggedAt = nowMs;
    it->unlogged = 0;
    return true;
}

QList<std::pair<QString, int>> RefusalLog::prune(qint64 nowMs)
{
    QList<std::pair<QString, int>> unreported;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (nowMs - it->loggedAt >= m_intervalMs) {
            if (it->unlogged > 0)
                unreported.append({it.key(), it->unlogged});
            it = m_entries.erase(it);
        } else {
            ++it;
        }
    }
    return unreported;
}

} // namespace Optiverse::Collab
