// SPDX-License-Identifier: MIT
#include "LogThrottle.h"

#include <QLocale>

namespace Optiverse::Collab {

namespace {
// Server logs are read by operators in English: "4,981", whatever the locale.
QString number(quint64 n)
{
    return QLocale(QLocale::English).toString(n);
}
QString failures(quint64 n)
{
    return n == 1 ? QStringLiteral("failure") : QStringLiteral("failures");
}
} // namespace

LogThrottle::LogThrottle(QString topic, Sink sink, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_topic(std::move(topic))
    , m_sink(std::move(sink))
{
    m_interval.setSingleShot(true);
    m_interval.setInterval(intervalMs);
    connect(&m_interval, &QTimer::timeout, this, &LogThrottle::summarise);
}

void LogThrottle::failure(const QString &reason)
{
    ++m_runTotal;
    if (!m_inRun) {
        m_inRun = true;
        m_sink(QStringLiteral("%1: %2").arg(m_topic, reason), false);
        m_interval.start();
        return;
    }
    ++m_pending;
    m_lastReason = reason;
}

void LogThrottle::summarise()
{
    if (m_pending == 0) {
        // A quiet interval: the run is over, the next failure is news again.
        m_inRun = false;
        m_runTotal = 0;
        return;
    }
    const int seconds = int((m_interval.interval() + 999) / 1000);
    m_sink(QStringLiteral("%1: %2 more %3 in the last %4 s (last: %5)")
               .arg(m_topic, number(m_pending), failures(m_pending)).arg(seconds).arg(m_lastReason),
           false);
    m_pending = 0;
    m_interval.start();
}

void LogThrottle::success()
{
    if (!m_inRun)
        return;
    m_sink(QStringLiteral("%1: works again after %2 %3").arg(m_topic, number(m_runTotal), failures(m_runTotal)), true);
    m_interval.stop();
    m_inRun = false;
    m_pending = m_runTotal = 0;
}

} // namespace Optiverse::Collab
