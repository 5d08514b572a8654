// SPDX-License-Identifier: MIT
#include "RecordingExporter.h"

#include "OperationLog.h"
#include "Recording.h"
#include "SessionStore.h"

#include <QIODevice>

namespace Optiverse::Collab {

bool RecordingExporter::exportSession(SessionStore *store, const QString &session, QIODevice *out, qint64 *operations,
                                      QString *error)
{
    QStringList ids;
    if (!store->sessionIds(&ids, error))
        return false;
    if (!ids.contains(session)) {
        *error = ids.isEmpty() ? QStringLiteral("no session \"%1\" in this data directory (it holds none)").arg(session)
                               : QStringLiteral("no session \"%1\" in this data directory (it holds: %2)")
                                     .arg(session, ids.join(QLatin1String(", ")));
        return false;
    }
    QList<StateItem> items;
    qint64 headSeq = 0;
    QList<SessionStore::HistoryEntry> resume;
    QStringList removed;
    if (!store->load(session, &items, &headSeq, &resume, &removed, error))
        return false;
    qint64 count = 0, first = -1, last = -1;
    if (!store->operationRange(session, &count, &first, &last, error))
        return false;
    qint64 baseSeq = 0;
    QList<StateItem> baseItems;
    if (!store->loadBase(session, &baseSeq, &baseItems, error))
        return false;
    HistoryScene base;
    for (const StateItem &item : std::as_const(baseItems))
        base.insert(item.id, item);
    if (count == 0) {
        baseSeq = headSeq; // nothing to replay: the scene is the checkpoint
        base.clear();
        for (const StateItem &item : std::as_const(items))
            base.insert(item.id, item);
    } else if (baseSeq != first - 1) {
        if (first == 1) {
            baseSeq = 0;
            base.clear();
        } else {
            // Stored before the history existed: walk back from the scene.
            std::vector<HistoryOperation> ops;
            QList<OperationLog::Version> versions;
            if (!store->loadOperations(session, &ops, &versions, error))
                return false;
            HistoryScene head;
            for (const StateItem &item : std::as_const(items))
                head.insert(item.id, item);
            OperationLog log;
            log.resetFromHead(headSeq, head, std::move(ops));
            baseSeq = log.baseSeq();
            base = log.baseScene();
        }
    }
    auto write = [&](const QByteArray &bytes) {
        if (out->write(bytes) != bytes.size()) {
            *error = QStringLiteral("cannot write the recording: %1").arg(out->errorString());
            return false;
        }
        return true;
    };
    if (!write(Recording::headerLine(session, baseSeq, count > 0 ? last : baseSeq, count)))
        return false;
    if (baseSeq > 0 && !write(Recording::checkpointLine(baseSeq, base)))
        return false;
    bool ok = true;
    if (!store->forEachOperation(session, [&](const QByteArray &json) {
            ok = write(Recording::operationLine(json));
            return ok;
        }, error))
        return false;
    *operations = count;
    return ok;
}

} // namespace Optiverse::Collab
