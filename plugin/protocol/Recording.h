// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <QString>
#include <vector>

class QIODevice;

namespace Optiverse::Collab {

/**
 * A session recording file (format in README, "Session history"):
 * JSON Lines, UTF-8, one object per line:
 *
 *   {"type":"recording","session","exported_at","format":1,"base_seq","head_seq","operations"}
 *   {"type":"checkpoint","seq","state":{"items":[…]}}     only when base_seq > 0
 *   {"type":"operation","seq","user_id","timestamp","time_ms","command"|"state_push","changes",…}  one per operation
 *
 * read() checks everything before anything is used: a file that is not a
 * recording, of a newer format, malformed, out of order or cut short is
 * refused whole with the line that is wrong.
 */
class Recording
{
public:
    static constexpr int Format = 1;

    QString session;
    QString exportedAt;
    qint64 baseSeq = 0;
    HistoryScene base;
    std::vector<HistoryOperation> operations;

    static bool read(QIODevice *device, Recording *out, QString *error);
    static bool readFile(const QString &path, Recording *out, QString *error);

    /// The header line (with its newline).
    static QByteArray headerLine(const QString &session, qint64 baseSeq, qint64 headSeq, qint64 operationCount);
    /// The checkpoint line (with its newline).
    static QByteArray checkpointLine(qint64 seq, const HistoryScene &scene);
    /// An operation line from its stored form (HistoryOperation::toJson as compact JSON).
    static QByteArray operationLine(const QByteArray &storedJson);

    qint64 headSeq() const { return operations.empty() ? baseSeq : operations.back().seq; }
    /// The scene after the operations up to @p seq (all of them for -1).
    HistoryScene sceneAt(qint64 seq = -1) const;
};

} // namespace Optiverse::Collab
