// SPDX-License-Identifier: MIT
#pragma once

#include <QUndoCommand>

/// A step of the host's undo stack that IUndoHost guards review: its undo
/// and redo may leave parts out, which applySkipped() applies afterwards.
class UndoableCommand : public QUndoCommand
{
public:
    using QUndoCommand::QUndoCommand;
    /// Applies what the guards left out of this command's last undo or redo
    /// ("Undo anyway"), and makes it part of the command's way back.
    virtual void applySkipped() = 0;
};
