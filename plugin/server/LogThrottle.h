// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace Optiverse::Collab {

/**
 * Keeps one kind of repeated failure from flooding a log. A full disk makes
 * every command fail, and a line per failure buried everything else (about
 * 500 lines a second); what an operator needs is the first reason and how
 * often it goes on.
 *
 * The first failure is logged whole. The ones that follow are counted, and
 * at most one summary line per interval says how many there were and the
 * last reason ("storage: 4,981 more failures in the last 10 s (last: …)").
 * An interval without failures ends the run (the next failure is logged
 * whole again); so does success(), which says the run is over.
 *
 * Lives in a thread with an event loop (the summary comes from a timer, so
 * the count of the last burst is not lost when the failures stop).
 */
class LogThrottle : public QObject
{
    Q_OBJECT
public:
    /// Writes one line of the log; @p recovered: the line that ends a run
    /// (good news, which the caller may log at a lower level).
    using Sink = std::function<void(const QString &line, bool recovered)>;

    /// @p topic starts every line ("storage"); @p intervalMs is the shortest
    /// time between two summary lines.
    LogThrottle(QString topic, Sink sink, int intervalMs = 10000, QObject *parent = nullptr);

    /// One failure, for @p reason.
    void failure(const QString &reason);
    /// The operation works again: a run of failures ends with a line saying
    /// how many there were. Cheap when there was no failure.
    void success();

    /// Failures counted and not yet summarised.
    quint64 pending() const { return m_pending; }

private:
    void summarise();

    QString m_topic;
    Sink m_sink;
    QTimer m_interval;
    bool m_inRun = false;
    quint64 m_pending = 0;   // since the last line
    quint64 m_runTotal = 0;  // since the run began
    QString m_lastReason;
};

} // namespace Optiverse::Collab
