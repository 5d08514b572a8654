// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <utility>

namespace Optiverse::Collab {

/**
 * Decides which refusals reach the log: the first of each kind per address,
 * then at most one a minute with how many were left out, so that a flood
 * leaves a trace without filling the disk over weeks.
 */
class RefusalLog
{
public:
    explicit RefusalLog(qint64 intervalMs = 60000, int maxKeys = 4096);

    /// True if a refusal under @p key (address and kind) is to be logged at
    /// @p nowMs; @p unlogged is then how many under it were not, since the last line.
    bool shouldLog(const QString &key, qint64 nowMs, int *unlogged);
    /// Forgets keys not logged for an interval (call now and then); returns
    /// those of them with refusals left out since their last line, and how many.
    QList<std::pair<QString, int>> prune(qint64 nowMs);

private:
    struct Entry
    {
        qint64 loggedAt = 0;
        int unlogged = 0;
    };
    const qint64 m_intervalMs;
    const int m_maxKeys;
    QHash<QString, Entry> m_entries;
};

} // namespace Optiverse::Collab
