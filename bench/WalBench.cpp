// SPDX-License-Identifier: MIT
// optiverse-wal-bench: how large SessionStore's WAL grows, and how long a
// commit takes, under a steady stream of stored commands (the server's
// --data-dir path: one transaction per command, item + seq + resume command +
// history operation, with the checkpointer thread running as in the server).
//
//   optiverse-wal-bench [--rate N (1000/s)] [--seconds S (60)] [--items N (1000)] [--dir DIR] [--debug]
//
// Prints the WAL file's largest size (sampled after every commit), the commit
// times (median, p99, p99.9, max), failed commits, and what is left of the WAL
// after close. Release build for figures; a 2-core VM shared with others
// shows its neighbours in the max.
#include "HistoryOperation.h"
#include "SessionStore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Optiverse::Collab;

namespace {

QJsonObject lens(int n, double x, double y)
{
    return {{QLatin1String("x_mm"), x},
            {QLatin1String("y_mm"), y},
            {QLatin1String("angle_deg"), 0.0},
            {QLatin1String("focal_length"), 100.0},
            {QLatin1String("diameter_mm"), 25.4},
            {QLatin1String("thickness_mm"), 5.0},
            {QLatin1String("material"), QStringLiteral("N-BK7")},
            {QLatin1String("name"), QStringLiteral("Lens %1").arg(n)}};
}

double percentile(const std::vector<double> &sorted, double p)
{
    return sorted[std::min(sorted.size() - 1, size_t(double(sorted.size()) * p))];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption rateOption(QStringLiteral("rate"), QStringLiteral("Commands per second."), QStringLiteral("N"),
                                        QStringLiteral("1000"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"), QStringLiteral("Duration."), QStringLiteral("S"),
                                           QStringLiteral("60"));
    const QCommandLineOption itemsOption(QStringLiteral("items"), QStringLiteral("Items in the session."),
                                         QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Data dir (default: a temporary one)."),
                                       QStringLiteral("DIR"));
    parser.addOptions({rateOption, secondsOption, itemsOption, dirOption});
    const QCommandLineOption debugOption(QStringLiteral("debug"), QStringLiteral("Log every checkpoint."));
    parser.addOption(debugOption);
    parser.process(app);
    if (parser.isSet(debugOption))
        QLoggingCategory::setFilterRules(QStringLiteral("optiverse.*.debug=true"));
    const int rate = qMax(1, parser.value(rateOption).toInt());
    const int seconds = qMax(1, parser.value(secondsOption).toInt());
    const int itemCount = qMax(1, parser.value(itemsOption).toInt());
    QTemporaryDir temp;
    const QString dir = parser.isSet(dirOption) ? parser.value(dirOption) : temp.path();
    const QString databasePath = QDir(dir).absoluteFilePath(QStringLiteral("optiverse-collab.sqlite"));
    const QString walPath = databasePath + QLatin1String("-wal");

    SessionStore store;
    QString error;
    if (!store.open(dir, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    const QString session = QStringLiteral("lab");
    QRandomGenerator rng(20261128);
    std::vector<StateItem> items;
    qint64 seq = 0;
    for (int i = 0; i < itemCount; ++i) {
        const StateItem item{QStringLiteral("00000000-0000-4000-8000-%1").arg(i, 12, 10, QLatin1Char('0')),
                             QStringLiteral("lens"), lens(i, i, 0)};
        HistoryOperation op;
        op.seq = ++seq;
        op.userId = QStringLiteral("alice");
        op.timeMs = 1'700'000'000'000 + seq;
        op.command = {{QLatin1String("action"), QLatin1String("add_item")},
                      {QLatin1String("item_id"), item.id},
                      {QLatin1String("item_type"), item.type},
                      {QLatin1String("data"), item.data}};
        op.changes = {HistoryOperation::diff(item.id, nullptr, &item)};
        if (!store.putItem(session, item, seq, QStringLiteral("{}"), &error, false,
                           QJsonDocument(op.toJson()).toJson(QJsonDocument::Compact))) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        items.push_back(item);
    }

    // Paced: command k is due at k / rate seconds; late ones go at once.
    const qint64 total = qint64(rate) * seconds;
    std::vector<double> commitMs;
    commitMs.reserve(size_t(total));
    qint64 maxWal = 0, failures = 0;
    QElapsedTimer clock;
    clock.start();
    for (qint64 k = 0; k < total; ++k) {
        const qint64 dueNs = k * 1'000'000'000 / rate;
        const qint64 waitNs = dueNs - clock.nsecsElapsed();
        if (waitNs > 0)
            QThread::usleep(quint64(waitNs / 1000));
        StateItem &item = items[size_t(rng.bounded(itemCount))];
        const double x = rng.bounded(500.0), y = rng.bounded(500.0);
        const QList<PropertyChange> properties{{QStringLiteral("x_mm"), item.data.value(QLatin1String("x_mm")), x},
                                               {QStringLiteral("y_mm"), item.data.value(QLatin1String("y_mm")), y}};
        item.data.insert(QLatin1String("x_mm"), x);
        item.data.insert(QLatin1String("y_mm"), y);
        HistoryOperation op;
        op.seq = ++seq;
        op.userId = QStringLiteral("bob");
        op.timeMs = 1'700'000'000'000 + seq;
        op.command = {{QLatin1String("action"), QLatin1String("move_item")},
                      {QLatin1String("item_id"), item.id},
                      {QLatin1String("item_type"), item.type},
                      {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), y}}}};
        op.changes = {HistoryOperation::propertyChange(item.id, item.type, properties)};
        const QByteArray stored = QJsonDocument(op.toJson()).toJson(QJsonDocument::Compact);
        const QString relayed = QString::fromUtf8(QJsonDocument(QJsonObject{{QLatin1String("type"), QLatin1String("command")},
                                                                             {QLatin1String("seq"), seq},
                                                                             {QLatin1String("command"), op.command}})
                                                      .toJson(QJsonDocument::Compact));
        const qint64 start = clock.nsecsElapsed();
        if (!store.putItem(session, item, seq, relayed, &error, false, stored))
            ++failures;
        commitMs.push_back(double(clock.nsecsElapsed() - start) / 1e6);
        maxWal = std::max(maxWal, QFileInfo(walPath).size());
    }
    const double elapsed = double(clock.elapsed()) / 1000.0;
    store.close();
    const qint64 walAfterClose = QFileInfo::exists(walPath) ? QFileInfo(walPath).size() : -1;
    std::sort(commitMs.begin(), commitMs.end());
    std::printf("%lld commands in %.1f s (%.0f/s) over %d items\n", total, elapsed, double(total) / elapsed, itemCount);
    std::printf("WAL max %.1f MiB (target: never above 64 MiB); after close: %s\n", double(maxWal) / (1 << 20),
                walAfterClose < 0 ? "no WAL file" : qPrintable(QStringLiteral("%1 bytes").arg(walAfterClose)));
    std::printf("commit ms: median %.3f  p99 %.3f  p99.9 %.3f  max %.1f; failed commits %lld\n",
                percentile(commitMs, 0.5), percentile(commitMs, 0.99), percentile(commitMs, 0.999), commitMs.back(),
                failures);
    std::printf("database %.1f MiB\n", double(QFileInfo(databasePath).size()) / (1 << 20));
    return failures == 0 ? 0 : 1;
}
