// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QIODevice;

namespace Optiverse::Collab {

class SessionStore;

/**
 * Writes a stored session's recording (format: Recording) for
 * `optiverse-collab-server --data-dir DIR --export SESSION FILE`.
 *
 * Operations are copied as stored, without parsing them, so 100,000 of them
 * take well under a second; only a session whose history starts after seq 1
 * without a stored checkpoint (stored before the history existed) is rebuilt
 * to find its starting scene.
 */
class RecordingExporter
{
public:
    /// False with @p error for an unknown session, a storage or a write failure.
    static bool exportSession(SessionStore *store, const QString &session, QIODevice *out, qint64 *operations,
                              QString *error);
};

} // namespace Optiverse::Collab
