// SPDX-License-Identifier: MIT
#include "Recording.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace Optiverse::Collab {

QByteArray Recording::headerLine(const QString &session, qint64 baseSeq, qint64 headSeq, qint64 operationCount)
{
    const QJsonObject o{{QLatin1String("type"), QLatin1String("recording")},
                        {QLatin1String("session"), session},
                        {QLatin1String("exported_at"),
                         QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                        {QLatin1String("format"), Format},
                        {QLatin1String("base_seq"), baseSeq},
                        {QLatin1String("head_seq"), headSeq},
                        {QLatin1String("operations"), operationCount}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

QByteArray Recording::checkpointLine(qint64 seq, const HistoryScene &scene)
{
    QJsonArray items;
    for (const StateItem &item : scene)
        items.append(item.toJson());
    const QJsonObject o{{QLatin1String("type"), QLatin1String("checkpoint")},
                        {QLatin1String("seq"), seq},
                        {QLatin1String("state"), QJsonObject{{QLatin1String("items"), items}}}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

QByteArray Recording::operationLine(const QByteArray &storedJson)
{
    // The stored form is a compact object: the type goes in front of it.
    QByteArray line;
    line.reserve(storedJson.size() + 24);
    line.append("{\"type\":\"operation\",").append(QByteArrayView(storedJson).sliced(1)).append('\n');
    return line;
}

bool Recording::readFile(const QString &path, Recording *out, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    if (!read(&file, out, error)) {
        *error = QStringLiteral("%1: %2").arg(path, *error);
        return false;
    }
    return true;
}

bool Recording::read(QIODevice *device, Recording *out, QString *error)
{
    Recording r;
    qint64 lineNumber = 0;
    qint64 announced = -1;
    qint64 announcedHead = -1;
    bool sawHeader = false;
    bool sawOperation = false;
    while (!device->atEnd()) {
        QByteArray line = device->readLine();
        ++lineNumber;
        const bool complete = line.endsWith('\n');
        line = line.trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            *error = !complete && sawHeader
                ? QStringLiteral("line %1 is cut short: the file is truncated").arg(lineNumber)
                : QStringLiteral("line %1 is not a JSON object (%2)")
                      .arg(lineNumber)
                      .arg(parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                                        : QStringLiteral("another JSON value"));
            if (!sawHeader && lineNumber == 1)
                *error = QStringLiteral("not an Optiverse recording: %1").arg(*error);
            return false;
        }
        const QJsonObject o = doc.object();
        const QString type = o.value(QLatin1String("type")).toString();
        if (!sawHeader) {
            if (type != QLatin1String("recording")) {
                *error = QStringLiteral("not an Optiverse recording: line 1 is not {\"type\":\"recording\",…}");
                return false;
            }
            const int format = o.value(QLatin1String("format")).toInt(-1);
            if (format < 1) {
                *error = QStringLiteral("line 1: \"format\" must be a positive integer");
                return false;
            }
            if (format > Format) {
                *error = QStringLiteral("recording format %1 is newer than this program reads (%2)").arg(format).arg(Format);
                return false;
            }
            r.session = o.value(QLatin1String("session")).toString();
            r.exportedAt = o.value(QLatin1String("exported_at")).toString();
            r.baseSeq = o.value(QLatin1String("base_seq")).toInteger(0);
            announced = o.value(QLatin1String("operations")).toInteger(-1);
            announcedHead = o.value(QLatin1String("head_seq")).toInteger(-1);
            if (r.baseSeq < 0) {
                *error = QStringLiteral("line 1: \"base_seq\" must not be negative");
                return false;
            }
            sawHeader = true;
            continue;
        }
        if (type == QLatin1String("checkpoint")) {
            if (sawOperation || !r.base.isEmpty() || o.value(QLatin1String("seq")).toInteger(-1) != r.baseSeq) {
                *error = QStringLiteral("line %1: a checkpoint must come right after the header, at base_seq %2")
                             .arg(lineNumber).arg(r.baseSeq);
                return false;
            }
            const QJsonArray items = o.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                StateItem item;
                QString why = QStringLiteral("must be an object");
                if (!items.at(i).isObject() || !StateItem::fromJson(items.at(i).toObject(), &item, &why)) {
                    *error = QStringLiteral("line %1: state.items[%2] %3").arg(lineNumber).arg(i).arg(why);
                    return false;
                }
                r.base.insert(item.id, item);
            }
            continue;
        }
        if (type != QLatin1String("operation")) {
            *error = QStringLiteral("line %1: unknown line type \"%2\"").arg(lineNumber).arg(type.left(64));
            return false;
        }
        HistoryOperation op;
        QString why;
        if (!HistoryOperation::fromJson(o, &op, &why)) {
            *error = QStringLiteral("line %1: %2").arg(lineNumber).arg(why);
            return false;
        }
        const qint64 previous = r.operations.empty() ? r.baseSeq : r.operations.back().seq;
        if (op.seq <= previous) {
            *error = QStringLiteral("line %1: seq %2 does not follow seq %3").arg(lineNumber).arg(op.seq).arg(previous);
            return false;
        }
        r.operations.push_back(std::move(op));
        sawOperation = true;
    }
    if (!sawHeader) {
        *error = QStringLiteral("not an Optiverse recording: the file is empty");
        return false;
    }
    if ((announced >= 0 && qint64(r.operations.size()) != announced)
        || (announcedHead >= 0 && r.headSeq() != announcedHead)) {
        *error = QStringLiteral("the file is truncated: the header announces %1 operations up to seq %2, it holds %3 up to seq %4")
                     .arg(announced).arg(announcedHead).arg(r.operations.size()).arg(r.headSeq());
        return false;
    }
    *out = std::move(r);
    return true;
}

HistoryScene Recording::sceneAt(qint64 seq) const
{
    HistoryScene scene = base;
    for (const HistoryOperation &op : operations) {
        if (seq >= 0 && op.seq > seq)
            break;
        op.apply(&scene);
    }
    return scene;
}

} // namespace Optiverse::Collab
